//! Run search: MongoDB-style filters and W&B order strings compiled to SQL.
//! (Being written; see the module's tests.)
