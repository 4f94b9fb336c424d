// The referral form, drawn from the core's definition and snapshot: one generic view per field
// kind, the problems under each field. Apple-only (SwiftUI): compiled by Xcode. The rows it
// draws are computed by `FormScreen` (tested on Linux).
#if canImport(SwiftUI) && canImport(UIKit)
import SwiftUI
import WeProtectCore

struct FormView: View {
    @EnvironmentObject var model: AppModel

    var body: some View {
        Form {
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
                Button("Submit referral") { model.submit() }
                    .buttonStyle(.borderedProminent)
            }
            .padding()
            .background(.bar)
        }
        .alert(
            model.message ?? "", isPresented: .constant(model.message != nil),
            actions: { Button("OK") { model.message = nil } })
    }
}

/// One field, whatever its kind; problems underneath.
struct FieldView: View {
    @EnvironmentObject var model: AppModel
    let row: FieldRow

    var body: some View {
        VStack(alignment: .leading, spacing: 4) {
            control
            if let hint = row.field.hint { Text(hint).font(.caption).foregroundStyle(.secondary) }
            if let normalised = try? row.normalised?.reveal() {
                Text("Saved as \(normalised)").font(.caption).foregroundStyle(.secondary)
            }
            ForEach(row.messages, id: \.self) { message in
                Label(message, systemImage: "exclamationmark.circle")
                    .font(.caption).foregroundStyle(.red)
            }
        }
    }

    private var label: String { row.required ? "\(row.field.label) *" : row.field.label }

    private var typed: Binding<String> {
        Binding(
            get: { FormScreen.text(of: row.value) ?? "" },
            set: { model.set(row.path, try FieldInput.text($0)) })
    }

    @ViewBuilder private var control: some View {
        switch row.field.kind {
        // Personal text: no autocorrection (the keyboard would learn and suggest victims' names);
        // third-party keyboards are refused for the whole app (AppDelegate).
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
                    if text.isEmpty { model.set(row.path, .clear) }
                    else if let v = FieldInput.integer(text) { model.set(row.path, .integer(value: v)) }
                })).keyboardType(.numberPad).autocorrectionDisabled()
        case .yesNo:
            Picker(label, selection: Binding(
                get: { if case .yesNo(let yes)? = row.value { return Optional(yes) } else { return nil } },
                set: { model.set(row.path, $0.map { .yesNo(yes: $0) } ?? .clear) })
            ) {
                Text("Not answered").tag(Bool?.none)
                Text("Yes").tag(Bool?.some(true))
                Text("No").tag(Bool?.some(false))
            }
        case .choice(let options):
            Picker(label, selection: Binding(
                get: { if case .choice(let o)? = row.value { return o } else { return "" } },
                set: { model.set(row.path, $0.isEmpty ? .clear : .choice(option: $0)) })
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
                            model.set(row.path, next.isEmpty ? .clear : .choices(options: next))
                        }))
                }
            }
        case .repeatableGroup(_, let maxItems):
            HStack {
                Text("\(label) (\(row.itemCount))")
                Spacer()
                if row.itemCount > 0 {
                    Button("Remove last") { model.removeItem(group: row.path, index: row.itemCount - 1) }
                }
                Button("Add") { model.addItem(group: row.path) }.disabled(row.itemCount >= maxItems)
            }
        case .riskChecklist(let answers, let instruments):
            let question = row.path.split(separator: ".").last.map(String.init) ?? row.path
            let text = instruments.lazy.flatMap(\.questions).first { $0.id == question }?.label ?? row.field.label
            Picker(text, selection: Binding(
                get: { if case .choice(let o)? = row.value { return o } else { return "" } },
                set: { model.set(row.path, $0.isEmpty ? .clear : .choice(option: $0)) })
            ) {
                Text("—").tag("")
                ForEach(answers, id: \.value) { Text($0.label).tag($0.value) }
            }
            .pickerStyle(.segmented)
        }
    }
}

/// A date or time chosen with the system picker and sent as the text the core parses. The
/// picker shows the field's own value; an empty field shows "Not set" (never a plausible today),
/// and text the picker cannot read (typed elsewhere) is shown as it is.
struct DateField: View {
    @EnvironmentObject var model: AppModel
    let label: String
    let row: FieldRow
    let format: (Date) -> String
    let parse: (String) -> Date?
    let components: DatePickerComponents

    var body: some View {
        let typed = FormScreen.text(of: row.value) ?? ""
        HStack {
            if let current = parse(typed) {
                DatePicker(
                    label,
                    selection: Binding(
                        get: { current },
                        set: { new in model.set(row.path, try FieldInput.text(format(new))) }),
                    displayedComponents: components)
                Button("Clear") { model.set(row.path, .clear) }
            } else {
                Text(label)
                Spacer()
                Text(typed.isEmpty ? "Not set" : typed).foregroundStyle(.secondary)
                Button(typed.isEmpty ? "Set" : "Change") {
                    model.set(row.path, try FieldInput.text(format(Date())))
                }
            }
        }
    }
}
#endif
