"""What is kept about people, and for how long: the retention rules and their sweep."""
