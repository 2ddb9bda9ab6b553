"""Gold: what leadership reads — attainment, unit scores and ranks, reporting completeness."""
