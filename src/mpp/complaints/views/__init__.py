"""Complaint pages: public.py for citizens, staff.py for officers and managers."""
