"""From deployed stacks to an infrac project: reading old templates, planning the move, rehearsing it offline."""
