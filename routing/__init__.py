"""Route optimisation with VROOM: problems in, routes and stops out."""
