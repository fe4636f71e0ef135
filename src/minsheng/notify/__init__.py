"""Notifications (SMS, email) through one interface, with an outbox that survives outages."""
