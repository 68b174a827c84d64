"""Orders, depots, vehicles and drivers: the records a delivery business runs on."""
