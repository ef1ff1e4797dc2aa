"""What every app may use and that uses no app: the bottom of the house."""
