"""MPP Digital: applications (berkas permohonan) a citizen follows from any channel."""
