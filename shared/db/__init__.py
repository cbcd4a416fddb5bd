"""Database access shared by the services: async engines, sessions, upserts, migrations."""

from shared.db.engine import create_engine, make_sessionmaker, ping
from shared.db.upsert import upsert, upsert_many

__all__ = ["create_engine", "make_sessionmaker", "ping", "upsert", "upsert_many"]
