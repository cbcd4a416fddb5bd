"""Per-app Facebook state: the Instagram context's code and usage memory, plus deauthorizations."""

from emulator.core import EmulatorCore
from emulator.instagram.context import InstagramContext
from emulator.usage import UsageMeter

PLATFORM = "facebook"
HOSTS: tuple[str, ...] = ("www.facebook.com", "graph.facebook.com")


class FacebookContext(InstagramContext):
    """Used codes and the app usage meter (inherited), deauthorizations and BUC meters.

    ``DELETE /{user-id}/permissions`` is the one thing a stateless token cannot express, so the
    time of each deauthorization is remembered here (lost on restart, like any injected fault).
    """

    def __init__(self, core: EmulatorCore) -> None:
        super().__init__(core)
        self.deauthorized: dict[str, float] = {}
        self._business_usage: dict[str, UsageMeter] = {}

    def business_usage(self, business_id: str) -> UsageMeter:
        """The Business Use Case meter of one Page or Instagram account."""
        return self._business_usage.setdefault(business_id, UsageMeter())
