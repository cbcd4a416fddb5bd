"""The project's shared library: settings, logging, metrics, messaging, events, databases, auth.

Every service builds on these pieces so that each concern has exactly one implementation.
"""
