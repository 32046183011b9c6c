"""Stage 3, training: features per photo (cached), the head, the temperature, the teach calibration."""
