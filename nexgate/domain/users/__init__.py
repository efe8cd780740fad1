"""Profiles and the social graph: who may see and reach whom (see docs/privacy.md)."""
