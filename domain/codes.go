package domain

// Code is the stable, machine-readable code of an *Error. The codes are part
// of the outside contract: the bot looks up its text as "bot.err.<code>" and
// the HTTP API returns the code in its JSON errors, so a code's string never
// changes once released. Every code lives here, so a new one is added in one
// place and Codes lists it for the test that checks its texts.
type Code string

// Codes of rule violations (kinds ErrInvalid, ErrConflict, ErrForbidden).
// Each comment is the English text the bot shows for it.
const (
	CodeAlreadyLinked          Code = "already_linked"            // This Telegram account is already linked to a staff member.
	CodeAPIKeyNameInvalid      Code = "api_key_name_invalid"      // An API key's name must be 1 to 100 characters.
	CodeAssigneeRuleInvalid    Code = "assignee_rule_invalid"     // This workflow's assignee rule is not valid.
	CodeAssigneeUnchanged      Code = "assignee_unchanged"        // The task already has this assignee.
	CodeBoolInvalid            Code = "bool_invalid"              // Answer yes or no.
	CodeBotChannelInvalid      Code = "bot_channel_invalid"       // A club's bot is on telegram or viber.
	CodeBotExists              Code = "bot_exists"                // This club already has its own bot on this channel; remove it first.
	CodeBotTokenTaken          Code = "bot_token_taken"           // This bot token is already used by another club.
	CodeBulkFanningOut         Code = "bulk_fanning_out"          // The bulk call is still creating its calls. Try again in a moment.
	CodeBulkStatusFollowsCalls Code = "bulk_status_follows_calls" // A bulk call closes by itself when its calls are closed. To stop it, cancel its open calls.
	CodeCallDirectionInvalid   Code = "call_direction_invalid"    // A call is either incoming or outgoing.
	CodeCallIDInvalid          Code = "call_id_invalid"           // The call has no usable id.
	CodeChoiceOne              Code = "choice_one"                // Choose exactly one value.
	CodeChoiceRepeated         Code = "choice_repeated"           // A value is chosen twice.
	CodeChoiceUnknown          Code = "choice_unknown"            // This value is not in the list (any more).
	CodeClientCountInvalid     Code = "client_count_invalid"      // This kind of task takes another number of clients: a call or a client task one, a bulk call two or more, an internal task none.
	CodeClientNameRequired     Code = "client_name_required"      // The client's name can't be empty.
	CodeClientPhoneRequired    Code = "client_phone_required"     // A client needs a phone number.
	CodeClientPhonesTooMany    Code = "client_phones_too_many"    // Too many phone numbers: at most .limit per client.
	CodeClientStatusInvalid    Code = "client_status_invalid"     // There is no such client status.
	CodeClubHasPlan            Code = "club_has_plan"             // This club already has a plan of its own.
	CodeClubNameInvalid        Code = "club_name_invalid"         // The club's name must be text of at most 200 characters.
	CodeClubNameRequired       Code = "club_name_required"        // The club's name can't be empty.
	CodeClubNotEmpty           Code = "club_not_empty"            // This club already has clients or tasks.
	CodeClubNotMember          Code = "club_not_member"           // You are not on the staff of this club.
	CodeClubSlugInvalid        Code = "club_slug_invalid"         // The club's short name may hold only lowercase Latin letters, digits, “_” and “-” (at most 63).
	CodeCohortDaysInvalid      Code = "cohort_days_invalid"       // The number of days must be from 1 to 366.
	CodeControlListInvalid     Code = "control_list_invalid"      // Task control has no such list.
	CodeConversationStale      Code = "conversation_stale"        // This form changed meanwhile. Please look again.
	CodeDateInvalid            Code = "date_invalid"              // That is not a valid date.
	CodeDateRequired           Code = "date_required"             // This event needs a date.
	CodeDaysInvalid            Code = "days_invalid"              // The number of days is not valid.
	CodeDaysRequired           Code = "days_required"             // This event needs a number of days.
	CodeDeactivateSelf         Code = "deactivate_self"           // You cannot deactivate yourself.
	CodeDictionaryMissing      Code = "dictionary_missing"        // This question has no list of values; ask a manager to check the club's set-up.
	CodeDigestHourInvalid      Code = "digest_hour_invalid"       // The digest hour must be from 0 to 23.
	CodeDirectionInvalid       Code = "direction_invalid"         // A call's direction is incoming or outgoing.
	CodeDueInPast              Code = "due_in_past"               // That time has already passed. Please choose a later one.
	CodeDurationInvalid        Code = "duration_invalid"          // The call's duration is not valid.
	CodeEmailInvalid           Code = "email_invalid"             // That doesn't look like an e-mail address.
	CodeEventIDInvalid         Code = "event_id_invalid"          // The event's id is not valid.
	CodeEventTypeUnknown       Code = "event_type_unknown"        // This event type is not known.
	CodeFieldRepeated          Code = "field_repeated"            // A question is answered twice.
	CodeFieldRequired          Code = "field_required"            // A required question is not answered.
	CodeFieldTypeInvalid       Code = "field_type_invalid"        // This question's type is unknown; ask a manager to check the club's set-up.
	CodeFieldUnknown           Code = "field_unknown"             // This question does not belong to the chosen result.
	CodeFieldWrongType         Code = "field_wrong_type"          // This answer does not fit the question.
	CodeFilterInvalid          Code = "filter_invalid"            // This report filter is not valid.
	CodeFormInvalid            Code = "form_invalid"              // The form data could not be read.
	CodeFunnelTooLong          Code = "funnel_too_long"           //
	CodeIdempotencyKeyInvalid  Code = "idempotency_key_invalid"   // The Idempotency-Key must be 1 to 200 characters.
	CodeImportPhoneRepeated    Code = "import_phone_repeated"     // A phone number appears on two rows.
	CodeImportRowInvalid       Code = "import_row_invalid"        // A row of the client list is not valid.
	CodeInviteInvalid          Code = "invite_invalid"            // This invite link is not valid or has expired. Ask your manager for a new one.
	CodeInviteOtherBot         Code = "invite_other_bot"          // This invite is for another bot of the club. Ask your manager for a new link.
	CodeInviteTTLInvalid       Code = "invite_ttl_invalid"        // The invite's lifetime is out of range.
	CodeJSONInvalid            Code = "json_invalid"              // The JSON could not be read.
	CodeLanguageInvalid        Code = "language_invalid"          // Choose Russian, Ukrainian or English.
	CodeLimitInvalid           Code = "limit_invalid"             // The number of items asked for must be positive.
	CodeManagersOnly           Code = "managers_only"             // Only managers can do this.
	CodeNumberInvalid          Code = "number_invalid"            // That is not a number.
	CodeOwnersOnly             Code = "owners_only"               // Only an owner can deactivate an owner.
	CodePeriodInvalid          Code = "period_invalid"            // The report has no such period.
	CodePhoneCodeInvalid       Code = "phone_code_invalid"        // The country calling code must be at most 4 digits.
	CodePhoneInvalid           Code = "phone_invalid"             // That doesn't look like a phone number.
	CodePhoneRequired          Code = "phone_required"            // A phone number is required.
	CodePhoneTaken             Code = "phone_taken"               // The number .phone already belongs to another client.
	CodeProviderUnknown        Code = "provider_unknown"          // This phone system is not known.
	CodeRangeInvalid           Code = "range_invalid"             // The period is empty: its end must come after its start.
	CodeRangeInverted          Code = "range_inverted"            //
	CodeRangeTooLong           Code = "range_too_long"            //
	CodeReassignToSelf         Code = "reassign_to_self"          // Open tasks cannot go to the person who leaves.
	CodeRecordingInvalid       Code = "recording_invalid"         // The recording link is not valid.
	CodeReminderInPast         Code = "reminder_in_past"          // That time has already passed.
	CodeReminderNeedsDue       Code = "reminder_needs_due"        // Set a due time first: this reminder is counted from it.
	CodeReminderPresetInvalid  Code = "reminder_preset_invalid"   // There is no such reminder option.
	CodeReopenManagersOnly     Code = "reopen_managers_only"      // Only managers can reopen a task.
	CodeRepeatInvalid          Code = "repeat_invalid"            // The repeat rule is not valid.
	CodeResultNotAllowed       Code = "result_not_allowed"        // This result can't close this task.
	CodeResultRequired         Code = "result_required"           // A client task is closed with a result: tap “Enter result”.
	CodeRoleInvalid            Code = "role_invalid"              // There is no such role: use owner, manager or staff.
	CodeSearchQueryEmpty       Code = "search_query_empty"        // Type part of a name, a phone number or a title.
	CodeSnoozeInvalid          Code = "snooze_invalid"            // There is no such snooze option.
	CodeStaffInactive          Code = "staff_inactive"            // .Name is already deactivated.
	CodeStartInvalid           Code = "start_invalid"             // The call's start time is not valid.
	CodeStatusInvalid          Code = "status_invalid"            // There is no such task status.
	CodeStatusUnchanged        Code = "status_unchanged"          // The task already has this status.
	CodeSyntheticInvalid       Code = "synthetic_invalid"         // The sizes of the synthetic data are out of range.
	CodeTaskClosed             Code = "task_closed"               // This task is already closed.
	CodeTaskFilterInvalid      Code = "task_filter_invalid"       // There is no such task filter.
	CodeTaskNotYours           Code = "task_not_yours"            // This is someone else's task.
	CodeTaskTaken              Code = "task_taken"                // Already taken by .name.
	CodeTaskTypeInvalid        Code = "task_type_invalid"         // There is no such kind of task.
	CodeTelegramUserInvalid    Code = "telegram_user_invalid"     // This Telegram account can't be used.
	CodeTemplateArchived       Code = "template_archived"         // This template has been retired. Choose another one.
	CodeTemplateNotCall        Code = "template_not_call"         // This template is not for calls.
	CodeTextInvalid            Code = "text_invalid"              // The text contains an invisible control character that can't be stored. Please type it again.
	CodeTimeZoneInvalid        Code = "time_zone_invalid"         // There is no such time zone.
	CodeTitleRequired          Code = "title_required"            // The title can't be empty.
	CodeTooLong                Code = "too_long"                  // Too long: at most .limit characters.
	CodeTransitionNotAllowed   Code = "transition_not_allowed"    // This status change is not possible.
	CodeUTMUnknown             Code = "utm_unknown"               // This UTM field is not known.
	CodeWeekdayInvalid         Code = "weekday_invalid"           // This weekday is not known.
	CodeWorkingHoursInvalid    Code = "working_hours_invalid"     // Working hours are written as opening-closing, e.g. 09:00-21:00, closing after opening.
)

// Codes of kind ErrNotFound. The bot answers every not-found with the same
// generic text on purpose, so a forged id or another club's learns nothing;
// these codes have no text of their own and are not in Codes.
const (
	CodeBotNotFound      Code = "bot_not_found"
	CodeClubNotFound     Code = "club_not_found"
	CodeStaffNotFound    Code = "staff_not_found"
	CodeTemplateNotFound Code = "template_not_found"
)

// Codes returns every code of a rule violation, each once: the edges have a
// text for each of them (the bot in every language). The not-found codes are
// left out (see above).
func Codes() []Code {
	return []Code{
		CodeAlreadyLinked,
		CodeAPIKeyNameInvalid,
		CodeAssigneeRuleInvalid,
		CodeAssigneeUnchanged,
		CodeBoolInvalid,
		CodeBotChannelInvalid,
		CodeBotExists,
		CodeBotTokenTaken,
		CodeBulkFanningOut,
		CodeBulkStatusFollowsCalls,
		CodeCallDirectionInvalid,
		CodeCallIDInvalid,
		CodeChoiceOne,
		CodeChoiceRepeated,
		CodeChoiceUnknown,
		CodeClientCountInvalid,
		CodeClientNameRequired,
		CodeClientPhoneRequired,
		CodeClientPhonesTooMany,
		CodeClientStatusInvalid,
		CodeClubHasPlan,
		CodeClubNameInvalid,
		CodeClubNameRequired,
		CodeClubNotEmpty,
		CodeClubNotMember,
		CodeClubSlugInvalid,
		CodeCohortDaysInvalid,
		CodeControlListInvalid,
		CodeConversationStale,
		CodeDateInvalid,
		CodeDateRequired,
		CodeDaysInvalid,
		CodeDaysRequired,
		CodeDeactivateSelf,
		CodeDictionaryMissing,
		CodeDigestHourInvalid,
		CodeDirectionInvalid,
		CodeDueInPast,
		CodeDurationInvalid,
		CodeEmailInvalid,
		CodeEventIDInvalid,
		CodeEventTypeUnknown,
		CodeFieldRepeated,
		CodeFieldRequired,
		CodeFieldTypeInvalid,
		CodeFieldUnknown,
		CodeFieldWrongType,
		CodeFilterInvalid,
		CodeFormInvalid,
		CodeFunnelTooLong,
		CodeIdempotencyKeyInvalid,
		CodeImportPhoneRepeated,
		CodeImportRowInvalid,
		CodeInviteInvalid,
		CodeInviteOtherBot,
		CodeInviteTTLInvalid,
		CodeJSONInvalid,
		CodeLanguageInvalid,
		CodeLimitInvalid,
		CodeManagersOnly,
		CodeNumberInvalid,
		CodeOwnersOnly,
		CodePeriodInvalid,
		CodePhoneCodeInvalid,
		CodePhoneInvalid,
		CodePhoneRequired,
		CodePhoneTaken,
		CodeProviderUnknown,
		CodeRangeInvalid,
		CodeRangeInverted,
		CodeRangeTooLong,
		CodeReassignToSelf,
		CodeRecordingInvalid,
		CodeReminderInPast,
		CodeReminderNeedsDue,
		CodeReminderPresetInvalid,
		CodeReopenManagersOnly,
		CodeRepeatInvalid,
		CodeResultNotAllowed,
		CodeResultRequired,
		CodeRoleInvalid,
		CodeSearchQueryEmpty,
		CodeSnoozeInvalid,
		CodeStaffInactive,
		CodeStartInvalid,
		CodeStatusInvalid,
		CodeStatusUnchanged,
		CodeSyntheticInvalid,
		CodeTaskClosed,
		CodeTaskFilterInvalid,
		CodeTaskNotYours,
		CodeTaskTaken,
		CodeTaskTypeInvalid,
		CodeTelegramUserInvalid,
		CodeTemplateArchived,
		CodeTemplateNotCall,
		CodeTextInvalid,
		CodeTimeZoneInvalid,
		CodeTitleRequired,
		CodeTooLong,
		CodeTransitionNotAllowed,
		CodeUTMUnknown,
		CodeWeekdayInvalid,
		CodeWorkingHoursInvalid,
	}
}
