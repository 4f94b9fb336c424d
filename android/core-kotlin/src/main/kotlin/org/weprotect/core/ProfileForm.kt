// The referrer's own details, typed once on the profile screen and kept by the core, encrypted
// like every personal value (`Store.setProfile`); every new draft is filled from them. This is
// the screen's plain-Kotlin half: which boxes it shows, in what order, and how typed text
// becomes a `ReferrerProfile` (an emptied box clears the detail). The core checks the phone,
// email and collar number and refuses the whole profile with its problems, changing nothing.
package org.weprotect.core

/** The boxes of the profile screen: key, label, hint. */
enum class ProfileDetail(val label: String, val hint: String?) {
    OFFICER_NAME("Your name", null),
    COLLAR_NUMBER("Collar number", "Police only"),
    RANK("Rank", "Police only"),
    ROLE("Your role", "For example IDVA, health visitor"),
    STATION("Station, team or service", null),
    CONTACT_PHONE("Phone the service can call you on", null),
    EMAIL("Work email", null),
}

/** The profile the boxes hold; blank boxes are left out. */
fun profileFrom(typed: Map<ProfileDetail, String>): ReferrerProfile {
    fun get(d: ProfileDetail) = typed[d]?.takeIf { it.isNotBlank() }?.let { PersonalText(it) }
    return ReferrerProfile(
        officerName = get(ProfileDetail.OFFICER_NAME),
        collarNumber = get(ProfileDetail.COLLAR_NUMBER),
        rank = get(ProfileDetail.RANK),
        role = get(ProfileDetail.ROLE),
        station = get(ProfileDetail.STATION),
        contactPhone = get(ProfileDetail.CONTACT_PHONE),
        email = get(ProfileDetail.EMAIL),
    )
}

/** The boxes filled from a saved profile (revealed for the text fields that show them). */
fun typedFrom(profile: ReferrerProfile?): Map<ProfileDetail, String> {
    if (profile == null) return emptyMap()
    val all = mapOf(
        ProfileDetail.OFFICER_NAME to profile.officerName,
        ProfileDetail.COLLAR_NUMBER to profile.collarNumber,
        ProfileDetail.RANK to profile.rank,
        ProfileDetail.ROLE to profile.role,
        ProfileDetail.STATION to profile.station,
        ProfileDetail.CONTACT_PHONE to profile.contactPhone,
        ProfileDetail.EMAIL to profile.email,
    )
    return all.mapNotNull { (k, v) -> v?.let { k to it.reveal() } }.toMap()
}

/** Offer the profile screen at start while no profile is saved and the officer has not said "later". */
fun offerProfileAtStart(saved: ReferrerProfile?, declinedThisRun: Boolean): Boolean =
    saved == null && !declinedThisRun
