"""The E-Events area: events from the first draft to the door (docs/events.md)."""
