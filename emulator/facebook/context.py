"""Per-app Facebook state: used codes, app usage, deauthorizations and Business Use Case meters."""

from emulator.core import EmulatorCore
from emulator.oauth import OAuthContext
from emulator.usage import UsageMeter

PLATFORM = "facebook"
HOSTS: tuple[str, ...] = ("www.facebook.com", "graph.facebook.com")


class FacebookContext(OAuthContext):
    """Used codes, the app usage meter, deauthorizations and BUC meters.

    ``DELETE /{user-id}/permissions`` is the one thing a stateless token cannot express, so the
    time of each deauthorization is remembered here (lost on restart, like any injected fault).
    """

    def __init__(self, core: EmulatorCore) -> None:
        super().__init__(core)
        self.usage = UsageMeter(core.settings.meta_app_calls_per_hour)
        self.deauthorized: dict[str, float] = {}
        self._business_usage: dict[str, UsageMeter] = {}

    def business_usage(self, business_id: str) -> UsageMeter:
        """The Business Use Case meter of one Page or Instagram account."""
        return self._business_usage.setdefault(
            business_id, UsageMeter(self.core.settings.meta_app_calls_per_hour)
        )
