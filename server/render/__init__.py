"""One renderer per channel: the channel-neutral `Reply` list of a turn -> the channel's own
message shapes, within the channel's limits."""
