"""Timeline lines for events of the other apps (agreements, meetings), written as they happen."""
