// The referral form, drawn from the core's definition and snapshot: one generic view per field
// kind, the findings under each field by kind (errors red, "to follow" neutral, warnings asked
// to confirm before sending), help on request, fields filled from the profile or the
// organisation collapsed but editable, a searchable list for fields with suggestions, and when
// consent is refused the organisation's route with "Delete this draft". Apple-only (SwiftUI):
// compiled by Xcode. The rows and decisions are `FormScreen`'s and `FormSession`'s (tested on
// Linux).
#if canImport(SwiftUI) && canImport(UIKit)
import SwiftUI
import WeProtectCore

struct FormView: View {
    @EnvironmentObject var model: AppModel
    @State private var confirmDelete = false

    var body: some View {
        Form {
            if let route = model.consentRefusedRoute {
                Section("Consent refused: what to do instead") {
                    Text(route)
                    Button("Delete this draft", role: .destructive) { confirmDelete = true }
                }
            }
            ForEach(model.sections) { section in
                Section(section.title) {
                    ForEach(section.rows) { row in
                        FieldView(row: row)
                    }
                }
            }
        }
        .navigationTitle("New referral")
        .safeAreaInset(edge: .bottom) {
            VStack(spacing: 6) {
                if let summary = model.summary {
                    Text(summary).font(.footnote).foregroundStyle(.secondary)
                }
                Button("Send referral") { model.submit() }
                    .buttonStyle(.borderedProminent)
                    // On the button, not beside the message alert: one alert per view.
                    .alert(
                        "Please check before sending", isPresented: .constant(model.toConfirm != nil),
                        actions: {
                            Button("It is right, send") { model.submit(confirmed: true) }
                            Button("Go back", role: .cancel) { model.toConfirm = nil }
                        },
                        message: {
                            Text((model.toConfirm ?? []).map { "• \($0.message)" }.joined(separator: "\n"))
                        })
            }
            .padding()
            .background(.bar)
        }
        .alert(
            model.message ?? "", isPresented: .constant(model.message != nil),
            actions: { Button("OK") { model.message = nil } })
        .confirmationDialog(
            "Delete this draft?", isPresented: $confirmDelete, titleVisibility: .visible
        ) {
            Button("Delete", role: .destructive) { model.discardDraft() }
        } message: {
            Text("Everything typed in it is deleted from this phone.")
        }
    }
}

/// One field, whatever its kind; problems underneath. Sets the draft's value, or the
/// follow-up's when drawn inside `FollowUpView` (which sets `\.fieldSink`).
struct FieldView: View {
    @EnvironmentObject var model: AppModel
    @Environment(\.fieldSink) private var sink
    let row: FieldRow
    @State private var opened = false
    @State private var showHelp = false

    var body: some View {
        if row.collapsed && !opened {
            // Filled from the profile or the organisation: one line, still editable.
            HStack {
                VStack(alignment: .leading) {
                    Text(row.field.label).font(.caption).foregroundStyle(.secondary)
                    Text(FormScreen.suggestionLabel(row.field, FormScreen.text(of: row.value))
                        ?? FormScreen.text(of: row.value) ?? "")
                    if let from = FormScreen.filledFromLabel(row.field) {
                        Text(from).font(.caption2).foregroundStyle(.secondary)
                    }
                }
                Spacer()
                Button("Change") { opened = true }
            }
        } else {
            expanded
        }
    }

    private var expanded: some View {
        VStack(alignment: .leading, spacing: 4) {
            control
            if let hint = row.field.hint { Text(hint).font(.caption).foregroundStyle(.secondary) }
            if let help = row.field.help {
                Button(showHelp ? "Hide help" : "What does this mean?") { showHelp.toggle() }
                    .font(.caption)
                if showHelp { Text(help).font(.caption) }
            }
            if let normalised = try? row.normalised?.reveal() {
                Text("Saved as \(normalised)").font(.caption).foregroundStyle(.secondary)
            }
            ForEach(row.messages, id: \.self) { message in
                switch message.style {
                case .error:
                    Label(message.text, systemImage: "exclamationmark.circle")
                        .font(.caption).foregroundStyle(.red)
                case .toFollow:
                    Label(message.text, systemImage: "clock")
                        .font(.caption).foregroundStyle(.secondary)
                case .confirm:
                    Label(message.text, systemImage: "questionmark.circle")
                        .font(.caption).foregroundStyle(.orange)
                }
            }
        }
    }

    private var label: String { row.required ? "\(row.field.label) *" : row.field.label }

    private var fields: FieldTarget { FieldTarget(sink: sink, model: model) }

    private var typed: Binding<String> {
        Binding(
            get: { FormScreen.text(of: row.value) ?? "" },
            set: { fields.set(row.path, try FieldInput.text($0)) })
    }

    @ViewBuilder private var control: some View {
        switch row.field.kind {
        // Personal text: no autocorrection (the keyboard would learn and suggest victims' names);
        // third-party keyboards are refused for the whole app (AppDelegate).
        case .text where !row.field.suggestions.isEmpty:
            // A force, a language, a country: chosen by name from a searchable list.
            NavigationLink {
                SuggestionPicker(row: row)
            } label: {
                LabeledContent(label) {
                    Text(FormScreen.suggestionLabel(row.field, FormScreen.text(of: row.value))
                        ?? FormScreen.text(of: row.value) ?? "Choose…")
                }
            }
        case .text(let multiline):
            TextField(label, text: typed, axis: multiline ? .vertical : .horizontal)
                .autocorrectionDisabled()
        case .phone:
            TextField(label, text: typed).keyboardType(.phonePad).textContentType(.telephoneNumber)
                .autocorrectionDisabled()
        case .email:
            TextField(label, text: typed).keyboardType(.emailAddress)
                .textInputAutocapitalization(.never).autocorrectionDisabled()
        case .postcode:
            TextField(label, text: typed).textInputAutocapitalization(.characters)
                .autocorrectionDisabled()
        case .date:
            DateField(
                label: label, row: row, format: FieldInput.dateText,
                parse: FieldInput.date(fromDateText:), components: .date)
        case .dateTime:
            DateField(
                label: label, row: row, format: FieldInput.dateTimeText,
                parse: FieldInput.date(fromDateTimeText:), components: [.date, .hourAndMinute])
        case .timeOfDay:
            DateField(
                label: label, row: row, format: FieldInput.timeOfDayText,
                parse: FieldInput.date(fromTimeOfDayText:), components: .hourAndMinute)
        case .integer:
            TextField(label, text: Binding(
                get: { if case .integer(let v)? = row.value { return String(v) } else { return "" } },
                set: { text in
                    if text.isEmpty { fields.set(row.path, .clear) }
                    else if let v = FieldInput.integer(text) { fields.set(row.path, .integer(value: v)) }
                })).keyboardType(.numberPad).autocorrectionDisabled()
        case .yesNo:
            Picker(label, selection: Binding(
                get: { if case .yesNo(let yes)? = row.value { return Optional(yes) } else { return nil } },
                set: { fields.set(row.path, $0.map { .yesNo(yes: $0) } ?? .clear) })
            ) {
                Text("Not answered").tag(Bool?.none)
                Text("Yes").tag(Bool?.some(true))
                Text("No").tag(Bool?.some(false))
            }
        case .choice(let options):
            Picker(label, selection: Binding(
                get: { if case .choice(let o)? = row.value { return o } else { return "" } },
                set: { fields.set(row.path, $0.isEmpty ? .clear : .choice(option: $0)) })
            ) {
                Text("Choose…").tag("")
                ForEach(options, id: \.value) { Text($0.label).tag($0.value) }
            }
        case .multiChoice(let options):
            let chosen: [String] = { if case .choices(let o)? = row.value { return o } else { return [] } }()
            VStack(alignment: .leading) {
                Text(label)
                ForEach(options, id: \.value) { option in
                    Toggle(option.label, isOn: Binding(
                        get: { chosen.contains(option.value) },
                        set: { on in
                            let next = on ? chosen + [option.value] : chosen.filter { $0 != option.value }
                            fields.set(row.path, next.isEmpty ? .clear : .choices(options: next))
                        }))
                }
            }
        case .repeatableGroup(_, let maxItems):
            HStack {
                Text("\(label) (\(row.itemCount))")
                Spacer()
                // Items are added to the draft only; a follow-up gives values, not new items.
                if sink == nil, row.itemCount > 0 {
                    Button("Remove last") { model.removeItem(group: row.path, index: row.itemCount - 1) }
                }
                if sink == nil {
                    Button("Add") { model.addItem(group: row.path) }.disabled(row.itemCount >= maxItems)
                }
            }
        case .riskChecklist(let answers, let instruments):
            let question = row.path.split(separator: ".").last.map(String.init) ?? row.path
            let text = instruments.lazy.flatMap(\.questions).first { $0.id == question }?.label ?? row.field.label
            Picker(text, selection: Binding(
                get: { if case .choice(let o)? = row.value { return o } else { return "" } },
                set: { fields.set(row.path, $0.isEmpty ? .clear : .choice(option: $0)) })
            ) {
                Text("—").tag("")
                ForEach(answers, id: \.value) { Text($0.label).tag($0.value) }
            }
            .pickerStyle(.segmented)
        }
    }
}

/// The searchable list of a field's suggestions (pushed, not a sheet: it stays under the
/// root's privacy cover); typing a name not on the list is still possible in the search box.
struct SuggestionPicker: View {
    @EnvironmentObject var model: AppModel
    @Environment(\.fieldSink) private var sink
    @Environment(\.dismiss) private var dismiss
    let row: FieldRow
    @State private var query = ""

    private var fields: FieldTarget { FieldTarget(sink: sink, model: model) }

    var body: some View {
        List {
            ForEach(FormScreen.search(row.field.suggestions, query), id: \.value) { option in
                Button(option.label) {
                    fields.set(row.path, try FieldInput.text(option.value))
                    dismiss()
                }
            }
            if !query.isEmpty {
                Button("Use “\(query)” as typed") {
                    fields.set(row.path, try FieldInput.text(query))
                    dismiss()
                }
            }
        }
        .searchable(text: $query, prompt: "Search by name")
        .autocorrectionDisabled()
        .navigationTitle(row.field.label)
    }
}

/// A date or time chosen with the system picker and sent as the text the core parses. The
/// picker shows the field's own value; an empty field shows "Not set" (never a plausible today),
/// and text the picker cannot read (typed elsewhere) is shown as it is.
struct DateField: View {
    @EnvironmentObject var model: AppModel
    @Environment(\.fieldSink) private var sink
    let label: String
    let row: FieldRow
    let format: (Date) -> String
    let parse: (String) -> Date?
    let components: DatePickerComponents

    private var fields: FieldTarget { FieldTarget(sink: sink, model: model) }

    var body: some View {
        let typed = FormScreen.text(of: row.value) ?? ""
        HStack {
            if let current = parse(typed) {
                DatePicker(
                    label,
                    selection: Binding(
                        get: { current },
                        set: { new in fields.set(row.path, try FieldInput.text(format(new))) }),
                    displayedComponents: components)
                Button("Clear") { fields.set(row.path, .clear) }
            } else {
                Text(label)
                Spacer()
                Text(typed.isEmpty ? "Not set" : typed).foregroundStyle(.secondary)
                Button(typed.isEmpty ? "Set" : "Change") {
                    fields.set(row.path, try FieldInput.text(format(Date())))
                }
            }
        }
    }
}
#endif
