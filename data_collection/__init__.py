"""DAgger replay buffer: shard writers, index, prioritised sampling, training datasets."""
