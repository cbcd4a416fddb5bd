from sqlmodel import SQLModel

from services.alerts import models  # noqa: F401  (tables for autogenerate)
from shared.db.migrations import run_env

run_env(SQLModel.metadata)
