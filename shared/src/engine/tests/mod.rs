//! Engine tests: a small in-memory world of calendars driven pass by pass through
//! plan -> execute -> settle, exactly as the use cases do with real providers.

mod properties;
mod scenarios;
mod world;
