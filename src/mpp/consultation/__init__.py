"""Public consultation forum (forum konsultasi publik): topics, comments, votes, outcomes."""
