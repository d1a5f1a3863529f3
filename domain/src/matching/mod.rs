//! Matching pupils with experiences: recommendations for one pupil from the pupil's
//! own portfolio and route plan ([`recommend`]); a whole class over the slots of one
//! day by the pupils' choices ([`placement`]).

pub mod placement;
pub mod recommend;
mod service;

pub use recommend::{
    AgeWindow, Candidate, CandidateQuery, Profile, Reason, ReasonCode, Recommendation, recommend,
};
pub use service::{MatchingService, RecommendationRequest};
