"""Complaints (pengaduan) with SP4N-LAPOR! deadlines, routed to the responsible booth."""
