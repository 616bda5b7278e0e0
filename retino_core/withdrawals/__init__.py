"""The EU withdrawal function (Consumer Rights Directive Art. 11a): a withdrawal case and its immutable statement."""
