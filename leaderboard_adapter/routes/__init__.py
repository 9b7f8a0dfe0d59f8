"""Route files, route planning over the road network and the global plan handed to agents."""
