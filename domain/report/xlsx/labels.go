package xlsx

import "github.com/clubcrm/clubcrm/domain"

// labels are the workbook's headings in one language. Sheet names are at
// most 31 characters and avoid []:*?/\ (Excel's rules).
type labels struct {
	// sheets
	summary, byStaff, byTemplate, byType, byResult, answers, funnel, funnelStaff, funnelTemplate string
	staffResult, templateResult                                                                  string
	// columns and rows
	figure, value, from, to, zone                        string
	created, done, overdue, cancelled, callsIn, callsOut string
	staff, template, typ, retired, result, count, share  string
	field, answersN, stage, clients, direct, convNext    string
	medianDays, medianN, conversion, firstToLast, nobody string
	unknown                                              string
	yes, total                                           string
	types                                                map[domain.TaskType]string
}

var catalog = map[string]labels{
	"en": {
		staffResult: "Staff × result", templateResult: "Template × result",
		summary: "Summary", byStaff: "By staff", byTemplate: "By template", byType: "By type", byResult: "By result",
		answers: "Answers", funnel: "Funnel", funnelStaff: "Funnel by staff", funnelTemplate: "Funnel by template",
		figure: "Figure", value: "Value", from: "From", to: "To (inclusive)", zone: "Time zone",
		created: "Created", done: "Done", overdue: "Overdue", cancelled: "Cancelled", callsIn: "Calls in", callsOut: "Calls out",
		staff: "Staff member", template: "Template", typ: "Type", retired: "Retired", result: "Result", count: "Count", share: "Share",
		field: "Field", answersN: "Answers", stage: "Stage", clients: "Clients", direct: "Reached directly",
		convNext: "Conversion to next", medianDays: "Median days to next", medianN: "Median over clients", conversion: "Conversion first → last",
		firstToLast: "First → last", nobody: "(nobody)", unknown: "(unknown)", yes: "yes", total: "Total",
		types: map[domain.TaskType]string{
			domain.TypePersonalCall: "Personal call", domain.TypeBulkCall: "Bulk call",
			domain.TypeClientTask: "Other client task", domain.TypeInternal: "Internal task",
		},
	},
	"ru": {
		staffResult: "Сотрудники × результаты", templateResult: "Шаблоны × результаты",
		summary: "Итоги", byStaff: "По сотрудникам", byTemplate: "По шаблонам", byType: "По типам", byResult: "По результатам",
		answers: "Ответы", funnel: "Воронка", funnelStaff: "Воронка по сотрудникам", funnelTemplate: "Воронка по шаблонам",
		figure: "Показатель", value: "Значение", from: "С", to: "По (включительно)", zone: "Часовой пояс",
		created: "Создано", done: "Выполнено", overdue: "Просрочено", cancelled: "Отменено", callsIn: "Входящие звонки", callsOut: "Исходящие звонки",
		staff: "Сотрудник", template: "Шаблон", typ: "Тип", retired: "В архиве", result: "Результат", count: "Количество", share: "Доля",
		field: "Поле", answersN: "Ответов", stage: "Этап", clients: "Клиенты", direct: "Дошли напрямую",
		convNext: "Конверсия в следующий", medianDays: "Медиана дней до следующего", medianN: "Медиана по клиентам", conversion: "Конверсия первый → последний",
		firstToLast: "Первый → последний", nobody: "(никто)", unknown: "(неизвестно)", yes: "да", total: "Итого",
		types: map[domain.TaskType]string{
			domain.TypePersonalCall: "Личный звонок", domain.TypeBulkCall: "Обзвон",
			domain.TypeClientTask: "Другая задача по клиенту", domain.TypeInternal: "Внутренняя задача",
		},
	},
	"uk": {
		staffResult: "Співробітники × результати", templateResult: "Шаблони × результати",
		summary: "Підсумки", byStaff: "За співробітниками", byTemplate: "За шаблонами", byType: "За типами", byResult: "За результатами",
		answers: "Відповіді", funnel: "Воронка", funnelStaff: "Воронка за співробітниками", funnelTemplate: "Воронка за шаблонами",
		figure: "Показник", value: "Значення", from: "З", to: "По (включно)", zone: "Часовий пояс",
		created: "Створено", done: "Виконано", overdue: "Прострочено", cancelled: "Скасовано", callsIn: "Вхідні дзвінки", callsOut: "Вихідні дзвінки",
		staff: "Співробітник", template: "Шаблон", typ: "Тип", retired: "В архіві", result: "Результат", count: "Кількість", share: "Частка",
		field: "Поле", answersN: "Відповідей", stage: "Етап", clients: "Клієнти", direct: "Дійшли напряму",
		convNext: "Конверсія в наступний", medianDays: "Медіана днів до наступного", medianN: "Медіана за клієнтами", conversion: "Конверсія перший → останній",
		firstToLast: "Перший → останній", nobody: "(ніхто)", unknown: "(невідомо)", yes: "так", total: "Усього",
		types: map[domain.TaskType]string{
			domain.TypePersonalCall: "Особистий дзвінок", domain.TypeBulkCall: "Обдзвін",
			domain.TypeClientTask: "Інше завдання по клієнту", domain.TypeInternal: "Внутрішнє завдання",
		},
	},
}

func labelsFor(lang string) labels {
	if l, ok := catalog[lang]; ok {
		return l
	}
	return catalog["en"]
}

func (l labels) staffName(id int64, name string) string {
	if id == 0 {
		return l.nobody
	}
	return name
}

func (l labels) typeName(t domain.TaskType) string {
	if n, ok := l.types[t]; ok {
		return n
	}
	return string(t)
}
