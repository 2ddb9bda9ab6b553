"""Silver: report values typed, normalised to each indicator's unit, checked, with history."""
