"""What the mobile service registers into lower apps' hooks (periodic reminders, search,
the assistant): each part adds its registration here."""
