"""Lets pytest import this plugin's tests as the package ``xero.tests`` (no clash with quickbooks')."""
