//! Matching pupils with experiences: recommendations for one pupil from the pupil's
//! own portfolio and route plan ([`recommend`]).

pub mod recommend;
mod service;

pub use recommend::{
    AgeWindow, Candidate, CandidateQuery, Profile, Reason, ReasonCode, Recommendation, recommend,
};
pub use service::{MatchingService, RecommendationRequest};
