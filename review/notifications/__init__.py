"""Notifications (通知): one service that carries invitations, reminders, escalations, mediation notices, redo
orders and rulings to the people concerned, by the in-app inbox, e-mail and SMS, as each person prefers."""
