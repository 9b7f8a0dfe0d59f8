"""The road network: bundled towns, map loading and the lane graph built from `carla.Map` topology."""
