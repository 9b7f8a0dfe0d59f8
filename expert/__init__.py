"""Privileged rule-based autopilot (PDM-Lite style) that labels frames and drives as an agent."""
