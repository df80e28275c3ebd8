"""Pages of the SKM: the citizen's survey, the counter's tablet mode, the public IKM."""
