"""Modal dialogs: small questions asked over the current screen."""
