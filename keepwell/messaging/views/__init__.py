"""Messaging's pages, one module per area: outbox, conversations, calls, templates,
broadcasts, preferences and the communication audit."""
