//! Notice rendering: the privacy notice people read, generated from the program.
