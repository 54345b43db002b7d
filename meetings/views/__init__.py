"""Pages of the meetings app, by subject: meetings (with their agenda, minutes and buttons), series,
action items and the calendar feed. Thin: they parse input and call services and selectors."""
