"""Credit events: append-only facts about enterprises, persons and agencies that the rules read."""
