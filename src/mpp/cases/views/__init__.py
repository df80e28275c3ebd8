"""Pages of the cases app: the citizen's (citizen_*) and the staff's (staff_*)."""
