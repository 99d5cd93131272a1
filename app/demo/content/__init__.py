"""What the demo says, as plain data: names, units, people, insight templates, phrases, actions."""
