"""Platform emulator: the real platforms' APIs served locally, so one client code runs everywhere.

A real URL ``https://HOST/PATH`` is served at ``{emulator_base}/HOST/PATH``. Each platform is one
subpackage (``emulator.instagram``); shared machinery (creators, signing, faults, latency) is
platform-neutral.
"""

from emulator.app import create_app
from emulator.settings import EmulatorSettings

__all__ = ["EmulatorSettings", "create_app"]
