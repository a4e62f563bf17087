"""testerarmy-wait: wait for tester.army runs and turn them into a CI verdict."""

__version__ = "1.0.0.dev0"
