"""What tests share: fixtures, factories, fakes. Nothing here is a test."""
