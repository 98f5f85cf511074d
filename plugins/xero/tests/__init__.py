"""Tests of the Xero provider plugin."""
