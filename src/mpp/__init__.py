"""MPP: software for Indonesia's Mal Pelayanan Publik."""
