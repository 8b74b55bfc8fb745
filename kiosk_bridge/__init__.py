"""kiosk_bridge package of daoban."""
