"""Customers (recipients kept between orders, with their places) and standing orders (a
customer's repeating delivery, generated into real orders ahead of time)."""
