"""Community satisfaction survey (SKM) and its index (IKM), PermenPANRB 14/2017."""
