"""Use cases of the portal: none. The portal changes nothing; writes go to the owning services
(the console calls them through the gateway), and the portal only composes reads (`queries.py`)."""
